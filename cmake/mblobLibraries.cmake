# How mblob's libraries are built: each as one set of (position-independent) objects, linked
# into a shared and a static library, with namespaced ALIAS targets so that add_subdirectory
# users name them as find_package(mblob) users do.

# Version policy, stated once: while the major version is 0, every minor version may break the
# ABI and the API, so the SONAME and the package's compatibility carry major.minor.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(MBLOB_SOVERSION "${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}")
  set(MBLOB_VERSION_COMPATIBILITY SameMinorVersion)
else()
  set(MBLOB_SOVERSION "${PROJECT_VERSION_MAJOR}")
  set(MBLOB_VERSION_COMPATIBILITY SameMajorVersion)
endif()

# mblob_add_library(<name> EXPORT_NAME <x> [CXX_STANDARD <n>] SOURCES <src>...)
# Defines <name>_objects (OBJECT), <name> (SHARED, lib<name>.so with VERSION and SOVERSION,
# exported and aliased as mblob::<x>) and <name>_static (STATIC, lib<name>.a, exported and
# aliased as mblob::<x>_static). Both publish the include directory and require C++<n> of
# their users (default 20). Dependencies are the caller's: the objects' for compiling, the two
# libraries' for linking.
function(mblob_add_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "EXPORT_NAME;CXX_STANDARD" "SOURCES")
  if(NOT arg_CXX_STANDARD)
    set(arg_CXX_STANDARD 20)
  endif()
  add_library(${name}_objects OBJECT ${arg_SOURCES})
  set_target_properties(${name}_objects PROPERTIES
    CXX_STANDARD ${arg_CXX_STANDARD} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${name}_objects PUBLIC ${PROJECT_SOURCE_DIR}/include)

  add_library(${name} SHARED $<TARGET_OBJECTS:${name}_objects>)
  add_library(${name}_static STATIC $<TARGET_OBJECTS:${name}_objects>)
  set_target_properties(${name} PROPERTIES
    VERSION ${PROJECT_VERSION} SOVERSION ${MBLOB_SOVERSION} EXPORT_NAME ${arg_EXPORT_NAME})
  set_target_properties(${name}_static PROPERTIES
    OUTPUT_NAME ${name} EXPORT_NAME ${arg_EXPORT_NAME}_static)
  foreach(t ${name} ${name}_static)
    target_include_directories(${t} PUBLIC
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_compile_features(${t} PUBLIC cxx_std_${arg_CXX_STANDARD})
  endforeach()
  add_library(mblob::${arg_EXPORT_NAME} ALIAS ${name})
  add_library(mblob::${arg_EXPORT_NAME}_static ALIAS ${name}_static)
endfunction()

# mblob_check_headers(<target> CXX_STANDARD <n> HEADERS <path under include/>...)
# An object library with one translation unit per header that includes only that header,
# compiled as C++<n> with the build's warnings: each header is self-contained and valid C++<n>.
function(mblob_check_headers target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "CXX_STANDARD" "HEADERS")
  set(sources)
  foreach(header ${arg_HEADERS})
    string(MAKE_C_IDENTIFIER "${header}" id)
    set(source "${CMAKE_CURRENT_BINARY_DIR}/${target}/${id}.cc")
    file(CONFIGURE OUTPUT "${source}" CONTENT "#include \"${header}\"  // alone, as C++${arg_CXX_STANDARD}\n")
    list(APPEND sources "${source}")
  endforeach()
  add_library(${target} OBJECT ${sources})
  set_target_properties(${target} PROPERTIES CXX_STANDARD ${arg_CXX_STANDARD} CXX_EXTENSIONS OFF)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(${target} PRIVATE -pedantic)
endfunction()
