/// mimalloc instead of the system allocator: rendering and parsing allocate many small values,
/// and glibc's malloc/free were a third of a check's CPU time (perf, org benchmark).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(chartgate::cli::main());
}
