# `cmake --install`: the libraries (shared and static), the headers, the CLI, the CMake package
# (mblobConfig.cmake, mblobConfigVersion.cmake, mblobTargets.cmake: mblob::runtime,
# mblob::runtime_static, mblob::mblob, mblob::mblob_static, mblob::cli) and the pkg-config files
# (mblob-runtime.pc, mblob.pc). With MBLOB_RUNTIME_ONLY, only the runtime's part of each.
# docs/install.md describes what a user gets.
include(CMakePackageConfigHelpers)
set(MBLOB_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/mblob")

set(mblob_install_targets mblob_runtime mblob_runtime_static)
if(NOT MBLOB_RUNTIME_ONLY)
  list(APPEND mblob_install_targets mblob mblob_static mblob_cli)
endif()
install(TARGETS ${mblob_install_targets} EXPORT mblobTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT mblobTargets NAMESPACE mblob:: DESTINATION ${MBLOB_INSTALL_CMAKEDIR})

# Headers: all of include/mblob, or only the runtime's API (MBLOB_RUNTIME_HEADERS).
if(MBLOB_RUNTIME_ONLY)
  foreach(header ${MBLOB_RUNTIME_HEADERS})
    get_filename_component(dir "${header}" DIRECTORY)
    install(FILES include/${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${dir})
  endforeach()
else()
  install(DIRECTORY include/mblob DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()

# The package config. find_dependency needs xxHash's find module (Debian has no config for it),
# so it is installed beside the config; mblobEmbed.cmake (mblob_embed(),
# mblob_add_model_library()) too, when this tree has it.
configure_package_config_file(cmake/mblobConfig.cmake.in
  "${PROJECT_BINARY_DIR}/mblobConfig.cmake" INSTALL_DESTINATION ${MBLOB_INSTALL_CMAKEDIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/mblobConfigVersion.cmake"
  COMPATIBILITY ${MBLOB_VERSION_COMPATIBILITY})
install(FILES "${PROJECT_BINARY_DIR}/mblobConfig.cmake" "${PROJECT_BINARY_DIR}/mblobConfigVersion.cmake"
  DESTINATION ${MBLOB_INSTALL_CMAKEDIR})
if(NOT MBLOB_RUNTIME_ONLY)
  install(FILES cmake/FindxxHash.cmake DESTINATION ${MBLOB_INSTALL_CMAKEDIR})
  if(EXISTS "${PROJECT_SOURCE_DIR}/cmake/mblobEmbed.cmake")
    install(FILES cmake/mblobEmbed.cmake DESTINATION ${MBLOB_INSTALL_CMAKEDIR})
  endif()
endif()

# pkg-config: prefix is found from the .pc file's own place (${pcfiledir}), so the files stay
# right under `cmake --install --prefix <elsewhere>` and when the tree is moved.
set(MBLOB_PC_DIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(MBLOB_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH rel "/prefix/${MBLOB_PC_DIR}" "/prefix")
  string(REGEX REPLACE "/$" "" rel "${rel}")
  set(MBLOB_PC_PREFIX "\${pcfiledir}/${rel}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(MBLOB_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(MBLOB_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
set(MBLOB_PC_DL_LIBS "")
foreach(lib ${CMAKE_DL_LIBS})
  string(APPEND MBLOB_PC_DL_LIBS " -l${lib}")
endforeach()
set(mblob_pc_files mblob-runtime)
if(NOT MBLOB_RUNTIME_ONLY)
  list(APPEND mblob_pc_files mblob)
endif()
foreach(pc ${mblob_pc_files})
  configure_file(cmake/${pc}.pc.in "${PROJECT_BINARY_DIR}/${pc}.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/${pc}.pc" DESTINATION ${MBLOB_PC_DIR})
endforeach()
