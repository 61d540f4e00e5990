/// mimalloc instead of the system allocator: rendering and parsing allocate many small values,
/// and glibc's malloc/free were a third of a check's CPU time (perf, org benchmark). Wrapped in
/// the counting allocator that the memory budgets read (`limits.render-memory`, `run-memory`).
#[global_allocator]
static ALLOC: chartgate::budget::alloc::Counting<mimalloc::MiMalloc> =
    chartgate::budget::alloc::Counting(mimalloc::MiMalloc);

fn main() {
    chartgate::budget::alloc::no_huge_pages();
    std::process::exit(chartgate::cli::main());
}
