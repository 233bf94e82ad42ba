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

#endif
