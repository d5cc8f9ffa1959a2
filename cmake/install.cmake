# install.cmake - where `cmake --install` puts kpm, and the Debian package that
# scripts/package makes from it with CPack (docs/OPERATIONS.md, "Installing").
#
#   PREFIX/bin/kpm                      the operator's command (cli/, when built)
#   PREFIX/libexec/kpm/kpm-<stage>      the stages and kpm-keygen
#   PREFIX/share/kpm/config/            questionnaire, gemeenten, groups, comparisons
#   PREFIX/share/kpm/samples/inbox/     the sample inbox of `kpm demo`
#   PREFIX/share/kpm/deploy/            the cron line, the container health check
#   PREFIX/lib/systemd/system/          kpm-nightly.service and .timer, kpm-alert@.service
#
# The stages find share/kpm from their own place (common/datadir.h), so an
# installed tree works under any prefix.

install(TARGETS kpm-ingest kpm-aggregate kpm-report kpm-keygen
        RUNTIME DESTINATION ${KPM_INSTALL_LIBEXECDIR})
if(TARGET kpm)
  install(TARGETS kpm RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(DIRECTORY ${CMAKE_SOURCE_DIR}/config/ DESTINATION ${KPM_INSTALL_DATADIR}/config
        FILES_MATCHING PATTERN "*.csv")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/samples/inbox DESTINATION ${KPM_INSTALL_DATADIR}/samples)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/kpm.cron DESTINATION ${KPM_INSTALL_DATADIR}/deploy)
install(PROGRAMS ${CMAKE_SOURCE_DIR}/deploy/healthcheck DESTINATION ${KPM_INSTALL_DATADIR}/deploy)
# Not GNUInstallDirs' LIBDIR (lib/x86_64-linux-gnu on Debian): systemd looks in
# PREFIX/lib/systemd/system.
set(KPM_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "Where the systemd units are installed (relative: under the prefix)")
install(FILES ${CMAKE_SOURCE_DIR}/deploy/kpm-nightly.service
              ${CMAKE_SOURCE_DIR}/deploy/kpm-nightly.timer
              ${CMAKE_SOURCE_DIR}/deploy/kpm-alert@.service
        DESTINATION ${KPM_SYSTEMD_UNITDIR})

# ---- the Debian package (scripts/package) ----
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "kpm")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "kpm maintainers <kpm@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "koploper monitor: nightly batch pipeline of the koploperproject")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT") # kpm_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "misc")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# The shared libraries the binaries link (libzmq5, libmsgpackc2, libcsv3,
# libsqlite3-0, libpq5, libc6, ...) by dpkg-shlibdeps; adduser for postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_SOURCE_DIR}/deploy/debian/postinst;${CMAKE_SOURCE_DIR}/deploy/debian/prerm;${CMAKE_SOURCE_DIR}/deploy/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
