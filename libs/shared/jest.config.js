/** Unit and integration tests of shared. */
module.exports = require('../../jest.preset.js')('shared', __dirname);
