/* paths.h - where kpm finds the stage binaries and its data directory.
 *
 * Stage binaries (kpm-ingest, kpm-aggregate, kpm-report, kpm-keygen), first hit wins:
 *   1. $KPM_LIBEXECDIR/kpm-<name>            (environment override)
 *   2. next to the kpm executable (/proc/self/exe), in this order:
 *        build tree:  <exe>/../<stage dir>/kpm-<name>   (build/cli/kpm ->
 *                     build/ingest/kpm-ingest, build/tools/kpm-keygen)
 *        installed:   <exe>/../lib/kpm/kpm-<name>, <exe>/../libexec/kpm/kpm-<name>,
 *                     <exe>/kpm-<name>              (PREFIX/bin/kpm)
 *   3. KPM_DEFAULT_LIBEXECDIR/kpm-<name>     (compile time, from CMake)
 * The data directory (it holds config/ and samples/):
 *   1. $KPM_DATADIR
 *   2. the source tree when kpm runs from its build tree (<exe>/../CMakeCache.txt
 *      exists: KPM_SOURCE_DIR, compile time), else <exe>/../share/kpm when it has
 *      config/
 *   3. KPM_DEFAULT_DATADIR (compile time, from CMake)
 * See docs/OPERATIONS.md ("Where kpm finds its parts").
 */
#ifndef KPM_CLI_PATHS_H
#define KPM_CLI_PATHS_H

#include <stddef.h>

/* The path of binary "kpm-<name>" (name: ingest, aggregate, report, keygen) into
 * buf. Returns 1 when it is an executable file, else 0 (buf then holds the path
 * of the first place looked at, for the message). */
int paths_binary(const char *name, char *buf, size_t len);

/* The data directory into buf (always filled; 1 when it exists). */
int paths_datadir(char *buf, size_t len);

#endif
