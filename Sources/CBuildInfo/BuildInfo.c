#include "CBuildInfo.h"

// Scripts/package writes `#define FLASHSCAN_GIT_COMMIT "<hash>"` into
// .build-package/buildinfo/flashscan_commit.h (outside the source tree) and builds with
// `-Xcc -I<that folder>`. The folder's path stays the same from one package build to the next, so
// a new commit recompiles this file alone; a plain `swift build` does not find the header.
#if __has_include("flashscan_commit.h")
#include "flashscan_commit.h"
#endif

const char *flashscan_git_commit(void) {
#ifdef FLASHSCAN_GIT_COMMIT
  return FLASHSCAN_GIT_COMMIT;
#else
  return "";
#endif
}
