import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A small C program for checks run in an installed root, linked statically so that it runs in a
 * root holding nothing else (no libc, no shell):
 * `--version` prints "probe 1.0"; `--cat FILE` prints the file; `--connect PORT` connects to
 * 127.0.0.1:PORT and says so (exit 4 when it cannot); anything else writes "probe: deliberate
 * failure" to stderr and exits 3. */
const SOURCE = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--version")) { puts("probe 1.0"); return 0; }
  if (argc > 2 && !strcmp(argv[1], "--cat")) {
    FILE *f = fopen(argv[2], "r"); int c;
    if (!f) { perror(argv[2]); return 1; }
    while ((c = fgetc(f)) != EOF) putchar(c);
    return 0;
  }
  if (argc > 2 && !strcmp(argv[1], "--connect")) {
    struct sockaddr_in a; int s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a); a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[2]));
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 4; }
    puts("connected"); return 0;
  }
  fputs("probe: deliberate failure\\n", stderr);
  return 3;
}
`;

/** Compiles the probe into `dir`; returns its path. */
export function probeProgram(dir: string): string {
  const source = join(dir, 'probe.c');
  const program = join(dir, 'probe');
  writeFileSync(source, SOURCE);
  const run = spawnSync('gcc', ['-static', '-O1', '-o', program, source], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`gcc -static failed: ${run.stderr}`);
  return program;
}
