// The target is its header; this file gives the build a translation unit.
#include "ConcurrencyHooks.h"
