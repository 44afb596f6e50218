/** Unit and integration tests of settlement. */
module.exports = require('../../jest.preset.js')('settlement', __dirname);
