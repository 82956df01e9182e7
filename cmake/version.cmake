# The configure-time values of include/daxbreak/version.h.in beside the
# version: the git commit (with -dirty for a changed tree) and the build type.
find_package(Git QUIET)
set(DAXBREAK_GIT_COMMIT "unknown")
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE _commit OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _rc ERROR_QUIET)
  if(_rc EQUAL 0 AND _commit)
    set(DAXBREAK_GIT_COMMIT "${_commit}")
    execute_process(COMMAND ${GIT_EXECUTABLE} diff-index --quiet HEAD --
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                    RESULT_VARIABLE _dirty ERROR_QUIET)
    if(NOT _dirty EQUAL 0)
      string(APPEND DAXBREAK_GIT_COMMIT "-dirty")
    endif()
  endif()
endif()
if(CMAKE_BUILD_TYPE)
  set(DAXBREAK_BUILD_TYPE "${CMAKE_BUILD_TYPE}")
else()
  set(DAXBREAK_BUILD_TYPE "unspecified")
endif()
