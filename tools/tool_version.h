/*
 * tool_version: the version every tool prints for --version, as
 * "<tool> <version>".  It has one source: configure's PACKAGE_VERSION
 * (AC_INIT in configure.ac), which Makefile.in passes as -DEMGDIAG_VERSION.
 * There is no fallback literal that could drift from it: a build without
 * the define fails here.
 */
#ifndef EMGDIAG_TOOL_VERSION_H
#define EMGDIAG_TOOL_VERSION_H

#ifndef EMGDIAG_VERSION
#error "EMGDIAG_VERSION is not defined: build through Makefile.in (configure's PACKAGE_VERSION)"
#endif

#endif
