#ifndef CAUSEWAY_CONCURRENCY_HOOKS_H
#define CAUSEWAY_CONCURRENCY_HOOKS_H

/// The Swift concurrency runtime's hook for jobs enqueued on the global executor
/// (`swift_task_enqueueGlobal_hook`, declared in the runtime's Concurrency.h). Referenced by name
/// rather than looked up with dlsym, so it links whether the Swift runtime is a shared library or
/// linked into the binary (`--static-swift-stdlib`), where dlsym cannot see it.
extern void *_Nullable swift_task_enqueueGlobal_hook;

/// Where the hook is stored.
static inline void *_Nullable *_Nonnull causeway_enqueueGlobalHookSlot(void) {
    return &swift_task_enqueueGlobal_hook;
}

/// The running task and whether it is cancelled: the runtime's own entry points (declared in its
/// Concurrency.h), called without the retain and release of the task that
/// `Task.checkCancellation()` makes on every call. The simulated clock asks twice per sleep.
__attribute__((swiftcall)) extern void *_Nullable swift_task_getCurrent(void);
__attribute__((swiftcall)) extern _Bool swift_task_isCancelled(void *_Nonnull task);

/// Whether the task running on this thread is cancelled (false outside a task).
static inline _Bool causeway_currentTaskIsCancelled(void) {
    void *task = swift_task_getCurrent();
    return task != 0 && swift_task_isCancelled(task);
}

#endif
