//! The `gdl` command; everything lives in the library.

// A cohort run allocates a little per patient on every core; mimalloc makes
// that about a tenth faster end to end than the system allocator
// (`cargo bench --bench evaluate`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    gdl::cli::main()
}
