// oslo.config files (keystone.conf, cinder.conf) written from plain objects.
import { writeFileSync } from 'node:fs';

export type IniSections = Record<string, Record<string, string | number | boolean>>;

export function renderIni(sections: IniSections): string {
  return (
    Object.entries(sections)
      .map(([section, options]) =>
        [`[${section}]`, ...Object.entries(options).map(([k, v]) => `${k} = ${v}`)].join('\n'),
      )
      .join('\n\n') + '\n'
  );
}

export function writeIni(path: string, sections: IniSections): string {
  writeFileSync(path, renderIni(sections), { mode: 0o600 });
  return path;
}
