// JUnit XML, the test-report format CI systems (Jenkins, GitLab, GitHub
// actions that publish test results) read, for the cells of a campaign: one
// <testsuite> per mode, one <testcase> per cell, a <failure> for a cell that
// missed its expectation and an <error> for one that could not run.
// tests/cli/junit.xsd is the schema of what this writes.

#ifndef DAXBREAK_TOOLS_DAXBREAK_JUNIT_H_
#define DAXBREAK_TOOLS_DAXBREAK_JUNIT_H_

#include <string>
#include <vector>

#include "daxbreak/workload/campaign.h"

namespace daxbreak::cli {

// The document for `outcomes` (UTF-8, with an XML declaration). `hostname`
// and `timestamp` (ISO 8601) go on each testsuite.
std::string CampaignJunitXml(const std::vector<CellOutcome>& outcomes, const std::string& hostname,
                             const std::string& timestamp);

}  // namespace daxbreak::cli

#endif  // DAXBREAK_TOOLS_DAXBREAK_JUNIT_H_
