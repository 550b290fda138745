# A package configuration for mblob's build tree, as the installed one's stand-in in
# tests/cmake/embed_test.sh: mblob::cli and mblob::runtime are the build's own files (directory
# MBLOB_BUILD_DIR), mblob_embed() and mblob_add_model_library() come from the source tree.
get_filename_component(_mblob_source "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
include("${_mblob_source}/cmake/mblobEmbed.cmake")
if(NOT MBLOB_BUILD_DIR)
  message(FATAL_ERROR "mblob (build tree): set MBLOB_BUILD_DIR to mblob's build directory")
endif()
if(NOT TARGET mblob::cli)
  add_executable(mblob::cli IMPORTED)
  set_target_properties(mblob::cli PROPERTIES IMPORTED_LOCATION "${MBLOB_BUILD_DIR}/mblob")
endif()
if(NOT TARGET mblob::runtime)
  add_library(mblob::runtime SHARED IMPORTED)
  set_target_properties(mblob::runtime PROPERTIES
    IMPORTED_LOCATION "${MBLOB_BUILD_DIR}/libmblob_runtime.so"
    INTERFACE_INCLUDE_DIRECTORIES "${_mblob_source}/include")
endif()
