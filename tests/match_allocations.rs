//! The matching hot path allocates nothing per item once its buffers are
//! warm: folding reuses the scratch, and a miss returns an empty Vec. A
//! counting global allocator checks it, counting only the allocations of
//! the thread that measures (the test harness's own threads allocate when
//! they like, above all on a loaded machine).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use newswatch::config::Config;
use newswatch::matcher::{MatchScratch, Matcher};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Set on the measuring thread while it measures. A `const` Cell:
    /// reading it neither allocates nor registers a destructor, so the
    /// allocator may.
    static MEASURING: Cell<bool> = const { Cell::new(false) };
}

/// Counts an allocation made by the measuring thread.
fn count() {
    if MEASURING.with(Cell::get) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[path = "it/support/mod.rs"]
mod support;

use support::item;

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn matching_items_that_miss_allocates_nothing() {
    // The shipped lists, query lists of every shape and a regex beside them.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/newswatch.toml");
    let shipped = std::fs::read_to_string(&path).expect("shipped config");
    let text = format!(
        "{shipped}\n[[entity]]\nname = \"mitrovica\"\n\
         variants = [{{ term = \"Mitrovica\", forms = \"sr,sq\" }}, \"Митровица\"]\n\
         \n[[watch]]\nname = \"troops\"\n\
         query = '(KFOR OR NATO) NEAR/6 (troop* OR vojsk*) NOT title:(football OR \"Serie A\")'\n\
         \n[[watch]]\nname = \"north\"\nquery = '@mitrovica ONEAR/3 sever* OR \"northern Kosovo\"'\n\
         \n[[watch]]\nname = \"units\"\nterms = [{{ regex = 'KFOR\\s*-?\\s*\\d+' }}]\n"
    );
    let config = Config::parse(&text, &path).expect("config with queries");
    let matcher = Matcher::new(&config.watches, &config.entities).expect("matcher");
    let items = [
        item(
            "Parliament debated the budget late into the night",
            "Министарство финансија објавило је нове податке.",
        ),
        item(
            "Qeveria miratoi buxhetin e vitit të ardhshëm",
            "Vlada je usvojila novi zakon o zaštiti životne sredine.",
        ),
        item(
            "KFOR says it will act in Kosovo",
            "Вучић затражио повратак војске.",
        ),
    ];
    let mut scratch = MatchScratch::default();
    // Warm the buffers (and see that the on-topic item does match).
    for item in &items {
        drop(matcher.find(item, &mut scratch));
    }
    assert!(!matcher.find(&items[2], &mut scratch).is_empty());

    let before = ALLOCATIONS.load(Ordering::Relaxed);
    MEASURING.with(|m| m.set(true));
    let mut missed = 0;
    for _ in 0..100 {
        for item in &items[..2] {
            missed += usize::from(matcher.find(item, &mut scratch).is_empty());
        }
    }
    MEASURING.with(|m| m.set(false));
    let allocated = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(missed, 200, "every off-topic item misses");
    assert_eq!(allocated, 0, "misses allocated {allocated} times");
}
