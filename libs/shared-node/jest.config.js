/** Unit tests of shared-node (the node:crypto fast paths, checked against the portable code of shared). */
module.exports = require('../../jest.preset.js')('shared-node', __dirname);
