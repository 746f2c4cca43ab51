//! Independent questions spread over the machine's cores: the box search
//! of each rule of a decision table, and each rule's unreachable and
//! shadowed questions. Results come back in index order, so findings do
//! not depend on the number of cores.

/// Below this many indices per core, one thread does it all: starting
/// threads and copying their state would cost more than it saves.
const LEAST_PER_THREAD: usize = 64;

/// `work(i)` for `i` in `0..count`, in order.
pub(super) fn map_indices<T: Send>(count: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    map_indices_with(count, || (), |(), index| work(index))
}

/// `work(state, i)` for `i` in `0..count`, on every core, each thread with
/// its own `state` from `init`: index `i` goes to thread `i mod threads`
/// (later rules of a table cost more, so dealing them out in turn shares
/// the work evenly). A thread that fails leaves its indices to be worked
/// on here.
pub(super) fn map_indices_with<S, T: Send>(
    count: usize,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, usize) -> T + Sync,
) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count / LEAST_PER_THREAD);
    let hand = |first: usize, threads: usize| {
        let mut state = init();
        (first..count)
            .step_by(threads)
            .map(|index| work(&mut state, index))
            .collect::<Vec<T>>()
    };
    if threads < 2 {
        return hand(0, 1);
    }
    let hand = &hand;
    let dealt: Vec<Option<Vec<T>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|first| scope.spawn(move || hand(first, threads)))
            .collect();
        handles.into_iter().map(|h| h.join().ok()).collect()
    });
    let mut hands: Vec<std::vec::IntoIter<T>> = dealt
        .into_iter()
        .enumerate()
        .map(|(first, dealt)| dealt.unwrap_or_else(|| hand(first, threads)).into_iter())
        .collect();
    let mut out = Vec::with_capacity(count);
    for index in 0..count {
        if let Some(value) = hands.get_mut(index % threads).and_then(Iterator::next) {
            out.push(value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_back_in_index_order() {
        let squares = super::map_indices(1001, |i| i * i);
        assert_eq!(squares, (0..1001).map(|i| i * i).collect::<Vec<_>>());
        assert!(super::map_indices(0, |i| i).is_empty());
    }
}
