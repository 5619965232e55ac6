// Stands in for dockerode's BuildKit session and protobuf modules: warmbox never builds images through dockerode, and
// the real ones load gRPC and protobuf at start-up (tens of MB of memory and ~40 ms) for nothing.
module.exports = function buildkitUnavailable() {
  throw new Error('warmbox does not bundle Docker BuildKit sessions; build images with images/build.sh');
};
