// `npm run bench [-- --large] [-- --json]`: the HTTP placement benchmark (bench/http.ts), or
// with --large the million-bet round (bench/large.ts).
await import(process.argv.includes('--large') ? './large.ts' : './http.ts');
