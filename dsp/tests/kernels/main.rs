//! The kernels' conformance suites, run on `lacquer-dsp` directly: the meters against EBU
//! Tech 3341/3342 and independent meters, the limiter against its ceiling on a generated
//! suite, the de-clicker against ffmpeg's adeclick. (What the built bundles do is tested in
//! `lacquer-tests`.)

mod declick;
mod limiter;
mod limiter_signals;
mod metering;
