/** The self + bookmark link pair every cinder/nova resource carries. */
export function resourceLinks(versionedBase: string, unversionedBase: string, collection: string, id: string) {
  return [
    { href: `${versionedBase}/${collection}/${id}`, rel: 'self' },
    { href: `${unversionedBase}/${collection}/${id}`, rel: 'bookmark' },
  ];
}
