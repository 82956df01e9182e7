# cmake --install: the libraries and public headers with a CMake package
# (find_package(daxbreak) -> daxbreak::daxbreak) and a pkg-config file, the
# CLI with its man page and bash completion.
include(CMakePackageConfigHelpers)

get_property(daxbreak_layers GLOBAL PROPERTY DAXBREAK_LAYERS)
install(TARGETS ${daxbreak_layers} daxbreak_all EXPORT daxbreakTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/daxbreak DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/daxbreak/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/daxbreak)

set(daxbreak_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/daxbreak)
install(EXPORT daxbreakTargets NAMESPACE daxbreak:: DESTINATION ${daxbreak_cmake_dir})
configure_package_config_file(cmake/daxbreakConfig.cmake.in ${PROJECT_BINARY_DIR}/daxbreakConfig.cmake
                              INSTALL_DESTINATION ${daxbreak_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/daxbreakConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/daxbreakConfig.cmake ${PROJECT_BINARY_DIR}/daxbreakConfigVersion.cmake
        DESTINATION ${daxbreak_cmake_dir})

set(daxbreak_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH DAXBREAK_PC_TO_PREFIX /${daxbreak_pc_dir} /)
# Libs: every installed layer, from the registered list (so that none is left
# out or kept after its removal), dependents first: each layer is declared
# after the layers it uses (src/CMakeLists.txt), so the reverse order links.
set(DAXBREAK_PC_LIBS "")
foreach(layer IN LISTS daxbreak_layers)
  string(PREPEND DAXBREAK_PC_LIBS "-l${layer} ")
endforeach()
configure_file(cmake/daxbreak.pc.in ${PROJECT_BINARY_DIR}/daxbreak.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/daxbreak.pc DESTINATION ${daxbreak_pc_dir})

install(TARGETS daxbreak RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The JSON Schemas of every report (docs/json.md), for consumers to validate
# against: share/daxbreak/schema/*.schema.json.
install(DIRECTORY share/schema/ DESTINATION ${CMAKE_INSTALL_DATADIR}/daxbreak/schema
        FILES_MATCHING PATTERN "*.schema.json")
