//! The `gdl` command; everything lives in the library.

fn main() -> std::process::ExitCode {
    gdl::cli::main()
}
