/** The demo's program: a tiny C greeter, its Makefile and README, and its spec file. */

export const HELLO_C = `#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
  const char *who = "world";
  if (argc > 1 && strcmp(argv[1], "--version") == 0) { puts("hello 1.0"); return 0; }
  (void)argc;
  (void)argv;
  printf("Hello, %s!\\n", who);
  return 0;
}
`;

// Linked statically: the test stage installs it into an empty root, where it must run alone.
export const MAKEFILE = `CFLAGS ?= -O2 -g
PREFIX ?= /usr

hello: hello.c
\t$(CC) $(CFLAGS) -static -o $@ $<

install: hello
\tinstall -D -m 0755 hello $(DESTDIR)$(PREFIX)/bin/hello

.PHONY: install
`;

export const README = `hello
=====

Prints a greeting.
`;

export function spec(release: string, changelog = ''): string {
  return `# The demo package: small, but packaged as a real project is.
%global debug_package %{nil}

Name:           hello
Version:        1.0
Release:        ${release}%{?dist}
Summary:        Prints a greeting
License:        MIT
Source0:        %{name}-%{version}.tar.gz
BuildRequires:  gcc
BuildRequires:  make
BuildRequires:  glibc-static
# Linked statically: it installs into an empty root and needs nothing from the system at run time
# (the test stage runs "hello --version" in such a root).
AutoReqProv:    no

%description
A tiny program that prints a greeting, used to demonstrate patchferry.

%prep
%autosetup

%build
%make_build CFLAGS="%{optflags}"

%install
%make_install PREFIX=%{_prefix}

%files
%{_bindir}/hello

%changelog
${changelog}* Mon Nov 02 2026 Mia Maintainer <mia@example.org> - 1.0-1
- First release
`;
}
