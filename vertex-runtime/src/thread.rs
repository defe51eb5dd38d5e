//! Threads whose log lines belong to the task that started them.

use std::thread::JoinHandle;

/// Spawns a thread, as [`std::thread::spawn`] does, that runs inside the caller's current
/// `tracing` span. Started from a component, the thread's log lines then carry the
/// component and the run and task names, as the component's own lines do. A thread from
/// `std::thread::spawn` starts outside every span.
pub fn spawn<F, T>(task: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let span = tracing::Span::current();
    std::thread::spawn(move || span.in_scope(task))
}
