/** Unit tests of iso20022 (pure: no cluster, no broker). */
module.exports = require('../../jest.preset.js')('iso20022', __dirname);
