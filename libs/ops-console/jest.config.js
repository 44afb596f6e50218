/** Unit tests of ops-console. */
module.exports = require('../../jest.preset.js')('ops-console', __dirname);
