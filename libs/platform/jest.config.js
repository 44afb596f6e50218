/** Unit and integration tests of platform. */
module.exports = require('../../jest.preset.js')('platform', __dirname);
