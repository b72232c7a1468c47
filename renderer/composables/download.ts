const TYPES: Record<string, string> = {
  html: 'text/html',
  csv: 'text/csv',
  md: 'text/markdown',
  json: 'application/json',
  png: 'image/png',
};

/** Offers content as a browser download (the web host saves into its own folder; this puts a copy where the user wants). */
export function downloadText(name: string, content: string): void {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  const url = URL.createObjectURL(new Blob([content], { type: TYPES[ext] ?? 'text/plain' }));
  downloadUrl(name, url);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadUrl(name: string, url: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}
