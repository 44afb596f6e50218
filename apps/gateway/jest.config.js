/** Unit and integration tests of gateway. */
module.exports = require('../../jest.preset.js')('gateway', __dirname);
