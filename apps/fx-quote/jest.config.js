/** Unit and integration tests of fx-quote. */
module.exports = require('../../jest.preset.js')('fx-quote', __dirname);
