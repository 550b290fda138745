# FindxxHash: the xxHash library as the imported target xxHash::xxhash.
#
# xxHash's own CMake build installs a package config that defines xxHash::xxhash; Debian's
# libxxhash-dev ships only the library, the header and a pkg-config file. This module takes the
# config when there is one and otherwise finds the header and the library itself, so that
# mblob's build and the installed mblob package (mblobConfig.cmake puts this file on
# CMAKE_MODULE_PATH for its find_dependency) name the same target either way.
#
# Result: xxHash_FOUND, xxHash::xxhash, and the cache entries xxHash_INCLUDE_DIR and
# xxHash_LIBRARY (set them to choose another copy).
find_package(xxHash CONFIG QUIET)
if(xxHash_FOUND AND TARGET xxHash::xxhash)
  return()
endif()

find_path(xxHash_INCLUDE_DIR xxhash.h)
find_library(xxHash_LIBRARY NAMES xxhash)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(xxHash REQUIRED_VARS xxHash_LIBRARY xxHash_INCLUDE_DIR)
mark_as_advanced(xxHash_INCLUDE_DIR xxHash_LIBRARY)

if(xxHash_FOUND AND NOT TARGET xxHash::xxhash)
  add_library(xxHash::xxhash UNKNOWN IMPORTED)
  set_target_properties(xxHash::xxhash PROPERTIES
    IMPORTED_LOCATION "${xxHash_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${xxHash_INCLUDE_DIR}")
endif()
