/** Unit and integration tests of ledger-node. */
module.exports = require('../../jest.preset.js')('ledger-node', __dirname);
