//! The `iamtrail` binary: the command line (`cli`: clap definitions, rendering, exit
//! codes) over the library, which knows nothing of terminals.
mod cli;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(cli::run())
}
