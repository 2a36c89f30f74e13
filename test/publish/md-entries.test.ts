import { describe, expect, it } from 'vitest';
import { letterOf, locationOf, mdFooter, mdHeader, parseEntries } from '../../src/publish/md-entries.ts';

const primary = `${mdHeader('primary', 2)}<package type="rpm">
  <name>Hello</name>
  <checksum type="sha256" pkgid="YES">aa11</checksum>
  <description>a &lt;/package&gt; in text</description>
  <location href="Hello-1.0-1.noarch.rpm"/>
</package>
<package type="rpm">
  <name>2fa</name>
  <checksum type="sha256" pkgid="YES">bb22</checksum>
  <location href="2fa-1.0-1.noarch.rpm"/>
</package>
${mdFooter('primary')}`;

describe('rpm-md package entries', () => {
  it('splits primary metadata into packages with their checksum, name and location', () => {
    const entries = parseEntries('primary', primary);
    expect(entries.map((e) => [e.pkgid, e.name, locationOf(e)])).toEqual([
      ['aa11', 'Hello', 'Hello-1.0-1.noarch.rpm'],
      ['bb22', '2fa', '2fa-1.0-1.noarch.rpm'],
    ]);
    // Header, entries and footer make the file again.
    expect(mdHeader('primary', 2) + entries.map((e) => e.xml).join('') + mdFooter('primary')).toBe(primary);
  });

  it('reads filelists and other entries by their attributes', () => {
    const text = `${mdHeader('filelists', 1)}<package pkgid="cc33" name="zed" arch="noarch">\n  <file>/usr/bin/zed</file>\n</package>\n${mdFooter('filelists')}`;
    expect(parseEntries('filelists', text).map((e) => [e.pkgid, e.name])).toEqual([['cc33', 'zed']]);
  });

  it('groups names by their first letter or digit, the rest together', () => {
    expect(['Hello', 'hello-doc', '2fa', '_x', '+y'].map(letterOf)).toEqual(['h', 'h', '2', '_', '_']);
  });

  it('refuses an element without its checksum (not rpm-md)', () => {
    expect(() => parseEntries('primary', '<package type="rpm"><name>x</name></package>')).toThrow(/checksum/);
  });
});
