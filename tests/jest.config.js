/** System tests: deployment manifests (offline) and end-to-end flows against the running cluster. */
module.exports = require('../jest.preset.js')('system-tests', __dirname);
