# mblobEmbed.cmake: put files into your targets with mblob, at disk speed, for any ELF target.
#
#   mblob_embed(<target> FILE <path> SYMBOL <name> [SECTION <s>] [ALIGN <n>]
#               [VISIBILITY default|hidden|protected] [TARGET_TRIPLE <triple>] [HEADER <path>])
#       Packs FILE into a relocatable object (`mblob pack --size-symbol`) that is linked into
#       <target>, and writes a header declaring <name>, <name>_end and <name>_size.
#
#   mblob_add_model_library(<name> MANIFEST <file> [SYSTEM_LIB] [PREFIX <p>]
#                           [TARGET_TRIPLE <triple>])
#       Runs `mblob export` on a manifest; <name> is a library target to link (lib<name>.so, or
#       lib<name>.a with SYSTEM_LIB).
#
# The mblob program: the target mblob::cli when it exists (find_package(mblob)), else the
# cache variable MBLOB_EXECUTABLE, else `mblob` on the PATH. The target platform: TARGET_TRIPLE,
# else CMAKE_C_COMPILER_TARGET / CMAKE_CXX_COMPILER_TARGET, else (when cross-compiling)
# CMAKE_SYSTEM_PROCESSOR and CMAKE_SYSTEM_NAME, else this machine. docs/cmake.md says more.
include_guard(GLOBAL)
if(CMAKE_VERSION VERSION_LESS 3.19)
  message(FATAL_ERROR "mblobEmbed.cmake needs CMake 3.19 or newer (string(JSON))")
endif()

# The mblob program as a command word, and what a custom command DEPENDS on for it.
function(_mblob_program out_command out_depends)
  if(TARGET mblob::cli)
    # In mblob's own build mblob::cli may be an alias: DEPENDS takes the real target's name.
    get_target_property(cli mblob::cli ALIASED_TARGET)
    if(NOT cli)
      set(cli mblob::cli)
    endif()
    set(${out_command} "$<TARGET_FILE:${cli}>" PARENT_SCOPE)
    set(${out_depends} "${cli}" PARENT_SCOPE)
    return()
  endif()
  if(NOT MBLOB_EXECUTABLE)
    find_program(MBLOB_EXECUTABLE mblob DOC "The mblob program used by mblob_embed()")
  endif()
  if(NOT MBLOB_EXECUTABLE)
    message(FATAL_ERROR "mblob: no mblob program: find_package(mblob) defines mblob::cli; "
                        "or set MBLOB_EXECUTABLE to its path, or put mblob on the PATH")
  endif()
  set(${out_command} "${MBLOB_EXECUTABLE}" PARENT_SCOPE)
  set(${out_depends} "${MBLOB_EXECUTABLE}" PARENT_SCOPE)
endfunction()

# The triple mblob writes for, "" for this machine. mblob's target lookup accepts aliases
# (arm64, amd64, ppc64le, "linux" for "linux-gnu"), so CMake's names are passed as they are.
function(_mblob_target_triple out explicit)
  if(explicit)
    set(triple "${explicit}")
  elseif(CMAKE_C_COMPILER_TARGET)
    set(triple "${CMAKE_C_COMPILER_TARGET}")
  elseif(CMAKE_CXX_COMPILER_TARGET)
    set(triple "${CMAKE_CXX_COMPILER_TARGET}")
  elseif(CMAKE_CROSSCOMPILING)
    string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" arch)
    if(NOT arch)
      message(FATAL_ERROR "mblob: cross-compiling with no CMAKE_SYSTEM_PROCESSOR: "
                          "give TARGET_TRIPLE (`mblob targets` lists them)")
    endif()
    if(CMAKE_SYSTEM_NAME STREQUAL "Windows")
      set(triple "${arch}-w64-mingw32")
    elseif(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
      set(triple "${arch}-unknown-elf")  # bare metal (Generic): riscv32, hexagon
    elseif(arch MATCHES "^arm" AND NOT arch MATCHES "^arm64")  # arm64 is aarch64 (an alias)
      set(triple "arm-linux-gnueabihf")  # CMake has no float ABI: hard float, as Debian's armhf
    elseif(arch MATCHES "^mips64")
      set(triple "${arch}-linux-gnuabi64")
    else()
      set(triple "${arch}-linux-gnu")
    endif()
  else()
    set(triple "")
  endif()
  set(${out} "${triple}" PARENT_SCOPE)
endfunction()

# A custom command's OUTPUT is only built for targets of the directory that creates it (the
# Makefile generators): refuse a target of another directory at configure time.
function(_mblob_check_same_directory fn target)
  if(NOT TARGET "${target}")
    message(FATAL_ERROR "${fn}: \"${target}\" is not a target")
  endif()
  get_target_property(imported "${target}" IMPORTED)
  get_target_property(aliased "${target}" ALIASED_TARGET)
  get_target_property(type "${target}" TYPE)
  if(imported OR aliased OR type STREQUAL "INTERFACE_LIBRARY" OR type STREQUAL "UTILITY")
    message(FATAL_ERROR "${fn}: \"${target}\" is ${type}${imported}: it needs an executable or "
                        "a library built here (not imported, an alias or an interface library)")
  endif()
  get_target_property(dir "${target}" SOURCE_DIR)
  if(NOT dir STREQUAL CMAKE_CURRENT_SOURCE_DIR)
    message(FATAL_ERROR "${fn}: call it in the directory that creates \"${target}\" (${dir}), "
                        "not in ${CMAKE_CURRENT_SOURCE_DIR}: custom command outputs are built "
                        "only for targets of their own directory")
  endif()
endfunction()

function(mblob_embed target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "FILE;SYMBOL;SECTION;ALIGN;VISIBILITY;TARGET_TRIPLE;HEADER"
                        "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "mblob_embed: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  foreach(required FILE SYMBOL)
    if(NOT arg_${required})
      message(FATAL_ERROR "mblob_embed(${target}): ${required} is required")
    endif()
  endforeach()
  # The header declares it in C: an identifier, which mblob's symbol rule (also . and $) allows.
  if(NOT arg_SYMBOL MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "mblob_embed(${target}): SYMBOL \"${arg_SYMBOL}\" is not a C identifier "
                        "(letters, digits and _, not starting with a digit)")
  endif()
  _mblob_check_same_directory(mblob_embed "${target}")
  if(NOT arg_VISIBILITY)
    set(arg_VISIBILITY hidden)  # the data is for the target's own code
  endif()
  if(NOT arg_VISIBILITY MATCHES "^(default|hidden|protected)$")
    message(FATAL_ERROR "mblob_embed(${target}): VISIBILITY \"${arg_VISIBILITY}\" is not "
                        "default, hidden or protected")
  endif()

  get_filename_component(file "${arg_FILE}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${file}" OR IS_DIRECTORY "${file}")
    message(FATAL_ERROR "mblob_embed(${target}): FILE ${file} is not a file")
  endif()
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/mblob_embed/${target}")
  set(object "${dir}/${arg_SYMBOL}${CMAKE_C_OUTPUT_EXTENSION}")
  if(NOT CMAKE_C_OUTPUT_EXTENSION)
    set(object "${dir}/${arg_SYMBOL}.o")
  endif()
  if(arg_HEADER)
    get_filename_component(header "${arg_HEADER}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  else()
    set(header "${dir}/include/${arg_SYMBOL}.h")
  endif()

  _mblob_program(mblob mblob_depends)
  _mblob_target_triple(triple "${arg_TARGET_TRIPLE}")
  set(options --symbol "${arg_SYMBOL}" --size-symbol --visibility "${arg_VISIBILITY}" --quiet)
  if(triple)
    list(APPEND options --target "${triple}")
  endif()
  if(arg_SECTION)
    list(APPEND options --section "${arg_SECTION}")
  endif()
  if(arg_ALIGN)
    list(APPEND options --align "${arg_ALIGN}")
  endif()
  add_custom_command(
    OUTPUT "${object}"
    COMMAND "${mblob}" pack "${file}" -o "${object}" ${options}
    DEPENDS "${file}" ${mblob_depends}
    COMMENT "mblob: packing ${arg_FILE} as ${arg_SYMBOL}"
    VERBATIM)
  set_source_files_properties("${object}" PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  target_sources("${target}" PRIVATE "${object}")

  # The header depends only on the symbol's name: written at configure time, rewritten only
  # when its text changes (so editing FILE recompiles nothing, it only re-packs and relinks).
  string(TOUPPER "MBLOB_EMBED_${arg_SYMBOL}_H" guard)
  string(REPLACE "*/" "* /" shown_file "${file}")  # the path goes into a C comment
  file(CONFIGURE OUTPUT "${header}" @ONLY CONTENT [=[
/* Generated by mblob_embed() from @shown_file@: do not edit.
 * The bytes are linked in by `mblob pack --size-symbol`; every symbol is relocatable, so this
 * works in PIE and non-PIE executables and in shared libraries. */
#ifndef @guard@
#define @guard@

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

extern const unsigned char @arg_SYMBOL@[];     /* the first byte */
extern const unsigned char @arg_SYMBOL@_end[]; /* one past the last byte */
extern const uint64_t @arg_SYMBOL@_size;       /* the number of bytes */

#ifdef __cplusplus
}
#endif

#endif
]=])
  get_filename_component(header_dir "${header}" DIRECTORY)
  target_include_directories("${target}" PRIVATE "${header_dir}")
  _mblob_reach_large_data("${target}" "${file}" "${triple}")
endfunction()

# x86-64: mblob puts a blob over 1 GiB in .lrodata, which the linkers place after all other data,
# so <name>_end lies past the +-2 GiB that small-model code reaches with one 32-bit
# displacement (the link fails: "relocation truncated to fit: R_X86_64_PC32"). The medium code
# model reaches it through a 64-bit address; it changes nothing for small data. The size is
# the file's when CMake runs.
function(_mblob_reach_large_data target file triple)
  if(triple)
    set(arch "${triple}")
  else()
    set(arch "${CMAKE_HOST_SYSTEM_PROCESSOR}")
  endif()
  string(TOLOWER "${arch}" arch)
  if(NOT arch MATCHES "^(x86_64|amd64|x86-64)")
    return()
  endif()
  file(SIZE "${file}" size)
  if(size LESS_EQUAL 1073741824)
    return()
  endif()
  foreach(lang C CXX)
    if(CMAKE_${lang}_COMPILER_ID MATCHES "^(GNU|Clang)$")
      target_compile_options("${target}"
                             PRIVATE "$<$<COMPILE_LANGUAGE:${lang}>:-mcmodel=medium>")
    endif()
  endforeach()
endfunction()

# Every payload, source and object a manifest names, as absolute paths (relative ones are
# resolved against the manifest's directory, as mblob does).
function(_mblob_manifest_inputs out manifest)
  file(READ "${manifest}" json)
  get_filename_component(base "${manifest}" DIRECTORY)
  string(JSON count ERROR_VARIABLE error LENGTH "${json}" modules)
  if(error)
    message(FATAL_ERROR "mblob_add_model_library: ${manifest}: no \"modules\" list: ${error}")
  endif()
  set(inputs "")
  set(paths "")
  if(count GREATER 0)
    math(EXPR last "${count} - 1")
    foreach(i RANGE ${last})
      string(JSON payload ERROR_VARIABLE missing GET "${json}" modules ${i} payload)
      if(NOT missing)
        list(APPEND paths "${payload}")
      endif()
      foreach(key sources objects)
        string(JSON n ERROR_VARIABLE missing LENGTH "${json}" modules ${i} ${key})
        if(NOT missing AND n GREATER 0)
          math(EXPR n_last "${n} - 1")
          foreach(j RANGE ${n_last})
            string(JSON path GET "${json}" modules ${i} ${key} ${j})
            list(APPEND paths "${path}")
          endforeach()
        endif()
      endforeach()
    endforeach()
  endif()
  foreach(path IN LISTS paths)
    get_filename_component(path "${path}" ABSOLUTE BASE_DIR "${base}")
    list(APPEND inputs "${path}")
  endforeach()
  set(${out} "${inputs}" PARENT_SCOPE)
endfunction()

function(mblob_add_model_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "SYSTEM_LIB" "MANIFEST;PREFIX;TARGET_TRIPLE" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "mblob_add_model_library: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_MANIFEST)
    message(FATAL_ERROR "mblob_add_model_library(${name}): MANIFEST is required")
  endif()
  if(arg_PREFIX AND NOT arg_SYSTEM_LIB)
    message(FATAL_ERROR "mblob_add_model_library(${name}): PREFIX needs SYSTEM_LIB (as in TVM)")
  endif()
  if(TARGET "${name}")
    message(FATAL_ERROR "mblob_add_model_library: a target \"${name}\" exists already")
  endif()
  get_filename_component(manifest "${arg_MANIFEST}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${manifest}" OR IS_DIRECTORY "${manifest}")
    message(FATAL_ERROR "mblob_add_model_library(${name}): MANIFEST ${manifest} is not a file")
  endif()
  # A new payload in the manifest must become a dependency: editing it re-runs CMake.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${manifest}")
  _mblob_manifest_inputs(inputs "${manifest}")

  _mblob_program(mblob mblob_depends)
  _mblob_target_triple(triple "${arg_TARGET_TRIPLE}")
  set(options --quiet)
  if(triple)
    list(APPEND options --target "${triple}")
  endif()
  # Host code is compiled by the project's C compiler, unless that compiler takes its target
  # from a flag (clang --target): then, and for an explicit TARGET_TRIPLE, by mblob's toolchain
  # preset for the triple.
  if(CMAKE_C_COMPILER AND NOT arg_TARGET_TRIPLE AND NOT CMAKE_C_COMPILER_TARGET)
    list(APPEND options --cc "${CMAKE_C_COMPILER}")
  endif()
  if(arg_SYSTEM_LIB)
    if(CMAKE_VERSION VERSION_LESS 3.24)
      message(FATAL_ERROR "mblob_add_model_library(${name}): SYSTEM_LIB needs CMake 3.24 or "
                          "newer ($<LINK_LIBRARY:WHOLE_ARCHIVE>)")
    endif()
    list(APPEND options --system-lib)
    if(arg_PREFIX)
      list(APPEND options --prefix "${arg_PREFIX}")
    endif()
    set(output "${CMAKE_CURRENT_BINARY_DIR}/lib${name}.a")
  else()
    set(output "${CMAKE_CURRENT_BINARY_DIR}/lib${name}.so")
  endif()
  add_custom_command(
    OUTPUT "${output}"
    COMMAND "${mblob}" export "${manifest}" -o "${output}" ${options}
    DEPENDS "${manifest}" ${inputs} ${mblob_depends}
    COMMENT "mblob: exporting ${arg_MANIFEST} to lib${name}"
    VERBATIM)
  add_custom_target(${name}_mblob_export DEPENDS "${output}")

  if(arg_SYSTEM_LIB)
    # Nothing references the archive's members: the whole archive is linked so its
    # registration runs at start-up; it registers with the runtime.
    add_library(${name} INTERFACE)
    target_link_libraries(${name} INTERFACE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${output}>")
    if(TARGET mblob::runtime)
      target_link_libraries(${name} INTERFACE mblob::runtime)
    endif()
  else()
    add_library(${name} SHARED IMPORTED GLOBAL)
    # mblob export sets no SONAME: link it by name (-l), so DT_NEEDED is lib<name>.so.
    set_target_properties(${name} PROPERTIES IMPORTED_LOCATION "${output}"
                                             IMPORTED_NO_SONAME TRUE)
  endif()
  add_dependencies(${name} ${name}_mblob_export)
endfunction()
