/* datadir.h - where kpm's data files are: the directory that holds config/ (the
 * questionnaire, comparisons, groups, gemeente list) and samples/.
 *
 * In order (docs/OPERATIONS.md, "Installing"):
 *   1. the environment variable KPM_DATADIR, when set and not empty;
 *   2. share/kpm beside the binary's own installation: <exe dir>/../../share/kpm
 *      (PREFIX/libexec/kpm/kpm-ingest -> PREFIX/share/kpm), when it holds config/;
 *      so an installed tree works wherever it was installed (cmake --install
 *      --prefix, a package);
 *   3. the source tree, for a binary that runs from its build tree;
 *   4. the installation directory fixed when kpm was configured
 *      (CMAKE_INSTALL_FULL_DATADIR/kpm).
 */
#ifndef KPM_DATADIR_H
#define KPM_DATADIR_H

#include <stddef.h>

/* The data directory by the rules above, with the environment, executable path
 * and the two configured directories given: the testable core of datadir_get.
 * exe may be NULL (unknown). Writes the directory into buf; returns buf, or NULL
 * when it does not fit. */
const char *datadir_resolve(const char *env, const char *exe, const char *build_tree,
                            const char *source_dir, const char *install_dir, char *buf, size_t len);

/* The data directory of this process (resolved once; a static string). */
const char *datadir_get(void);

/* Writes "<data directory>/config/<name>" into buf; returns buf, or NULL when it
 * does not fit. */
const char *datadir_config_file(const char *name, char *buf, size_t len);

#endif
