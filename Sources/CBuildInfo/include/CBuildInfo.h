#ifndef FLASHSCAN_CBUILDINFO_H
#define FLASHSCAN_CBUILDINFO_H

/// The git commit flashscan was built from, as Scripts/package tells the build (a generated header
/// in .build, see BuildInfo.c); the empty string when the build was not told (a plain
/// `swift build`).
const char *flashscan_git_commit(void);

#endif
