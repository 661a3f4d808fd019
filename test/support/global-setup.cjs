// Once per jest run: compile dist/ (and the console's bundle) as every `frhub` command does, so code
// that starts compiled pieces from the TypeScript sources (the inference thread's worker, the
// console pages a hub serves) finds them current without importing the build tool itself.
module.exports = () => {
  require('../../cli/build.cjs');
};
