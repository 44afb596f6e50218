/** Unit and integration tests of client. */
module.exports = require('../../jest.preset.js')('client', __dirname);
