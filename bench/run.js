// npm run bench: every benchmark, each as a ratio against a baseline measured in
// the same run. Usage: node bench/run.js [name ...]   (codec, registration, list)
const all = ['codec', 'registration', 'list'];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all;
console.log(`node ${process.version}, ${new Date().toISOString()}`);
for (const name of chosen) {
  if (!all.includes(name)) {
    console.error(`unknown benchmark "${name}" (${all.join(', ')})`);
    process.exit(2);
  }
  console.log(`\n## ${name}`);
  const { run } = await import(`./${name}.js`);
  await run();
}
