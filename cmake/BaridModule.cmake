# barid_module(NAME SOURCES a.cpp b.cpp DEPS barid_core ... PRIVATE_DEPS ...)
# Makes the static library barid_NAME with its public headers in include/ (as <barid/NAME/...>).
function(barid_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(barid_${name} STATIC ${M_SOURCES})
  target_include_directories(barid_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(barid_${name} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
endfunction()

# barid_test(NAME SOURCES a_test.cpp DEPS ... [POSTGRES])
# A GoogleTest program; each test case becomes one ctest test. POSTGRES marks tests that need the
# temporary PostgreSQL cluster that the test suite starts (see tests/CMakeLists.txt).
function(barid_test name)
  if(NOT BARID_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "POSTGRES" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main)
  # Paths the tests need are compiled in: a list-valued ENVIRONMENT does not survive
  # gtest_discover_tests' property forwarding.
  target_compile_definitions(${name} PRIVATE BARID_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                                             BARID_BIN_DIR="${CMAKE_BINARY_DIR}/bin")
  set(props ENVIRONMENT "BARID_TEST_POSTGRES_URL_FILE=${CMAKE_BINARY_DIR}/test-postgres/url")
  if(T_POSTGRES)
    list(APPEND props FIXTURES_REQUIRED postgres)
  endif()
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60 PROPERTIES ${props})
endfunction()
