// ParamName: a GoogleTest parameter name from a scenario or protocol name.

#ifndef DAXBREAK_TESTS_TESTING_PARAM_NAME_H_
#define DAXBREAK_TESTS_TESTING_PARAM_NAME_H_

#include <cctype>
#include <string>

namespace daxbreak::testing {

// `name` with every character GoogleTest refuses in a parameter name (it takes
// letters, digits and '_' only; ours carry '-' and '.', as in
// "linux-4.19-6.14") turned into '_'.
inline std::string ParamName(std::string name) {
  for (char& c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
  }
  return name;
}

}  // namespace daxbreak::testing

#endif  // DAXBREAK_TESTS_TESTING_PARAM_NAME_H_
