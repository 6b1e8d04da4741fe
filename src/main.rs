//! The `iamtrail` binary: everything lives in the library; this maps to an exit code.
fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(iamtrail::cli::run())
}
