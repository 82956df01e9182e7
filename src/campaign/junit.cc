#include "daxbreak/campaign/results.h"

#include <map>
#include <sstream>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "daxbreak/base/signal_name.h"

namespace daxbreak {
namespace {

std::string Seconds(double s) { return fmt::format("{:.3f}", s); }

// What a cell found, in words.
std::string Result(const CellOutcome& o) {
  if (!o.found) return "clean";
  return o.kind == "deadlock" ? "stall (deadlock)" : "found " + o.kind;
}

void AppendProperties(pugi::xml_node node, const std::vector<std::pair<std::string, std::string>>& properties) {
  if (properties.empty()) return;
  pugi::xml_node list = node.append_child("properties");
  for (const auto& [name, value] : properties) {
    pugi::xml_node p = list.append_child("property");
    p.append_attribute("name") = name.c_str();
    p.append_attribute("value") = value.c_str();
  }
}

}  // namespace

std::string CampaignJunitXml(const std::vector<CellOutcome>& outcomes, const std::string& hostname,
                             const std::string& timestamp,
                             const std::vector<std::pair<std::string, std::string>>& properties) {
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  pugi::xml_node root = doc.append_child("testsuites");
  root.append_attribute("name") = "daxbreak run";
  std::map<std::string, pugi::xml_node> suites;
  struct Totals {
    int tests = 0, failures = 0, errors = 0, skipped = 0;
    double time = 0;
  };
  std::map<std::string, Totals> totals;
  Totals all;
  for (const CellOutcome& o : outcomes) {
    const std::string mode(CampaignModeName(o.cell.mode));
    pugi::xml_node& suite = suites[mode];
    if (!suite) {
      suite = root.append_child("testsuite");
      suite.append_attribute("name") = mode.c_str();
      AppendProperties(suite, properties);
    }
    pugi::xml_node tc = suite.append_child("testcase");
    tc.append_attribute("name") = fmt::format("{} seed {}", o.cell.protocol->name, o.cell.seed).c_str();
    tc.append_attribute("classname") = fmt::format("{}.{}", mode, o.cell.scenario).c_str();
    tc.append_attribute("time") = Seconds(o.seconds).c_str();
    AppendProperties(tc, {{"seed", std::to_string(o.cell.seed)}});
    Totals& t = totals[mode];
    ++t.tests, ++all.tests;
    t.time += o.seconds, all.time += o.seconds;
    if (!o.error.ok()) {
      ++t.errors, ++all.errors;
      pugi::xml_node e = tc.append_child("error");
      e.append_attribute("message") = o.error.message().c_str();
      e.append_attribute("type") = std::string(StatusCodeName(o.error.code())).c_str();
    } else if (o.cut_short()) {
      ++t.skipped, ++all.skipped;
      tc.append_child("skipped").append_attribute("message") =
          fmt::format("cut short by {} before it found anything", SignalName(o.interrupted_by)).c_str();
    } else if (CellSkipped(o)) {
      ++t.skipped, ++all.skipped;
      tc.append_child("skipped").append_attribute("message") =
          fmt::format("expectation any: {}", Result(o)).c_str();
    } else if (!o.met) {
      ++t.failures, ++all.failures;
      pugi::xml_node f = tc.append_child("failure");
      f.append_attribute("message") =
          fmt::format("expected {}, got {}{}", ExpectationName(o.cell.expect), Result(o),
                      o.interrupted_by != 0 ? " (interrupted)" : "")
              .c_str();
      f.append_attribute("type") = "expectation";
      if (!o.replay.empty()) f.text() = o.replay.c_str();
    }
    std::string out = fmt::format("expect {}: {}\n", ExpectationName(o.cell.expect), Result(o));
    if (!o.certificate.empty()) out += o.certificate + "\n";
    if (!o.replay.empty()) out += "replay: " + o.replay + "\n" + o.trace_text;
    tc.append_child("system-out").text() = out.c_str();
  }
  for (auto& [mode, suite] : suites) {
    const Totals& t = totals[mode];
    suite.append_attribute("tests") = t.tests;
    suite.append_attribute("failures") = t.failures;
    suite.append_attribute("errors") = t.errors;
    suite.append_attribute("skipped") = t.skipped;
    suite.append_attribute("time") = Seconds(t.time).c_str();
    suite.append_attribute("timestamp") = timestamp.c_str();
    suite.append_attribute("hostname") = hostname.c_str();
  }
  root.append_attribute("tests") = all.tests;
  root.append_attribute("failures") = all.failures;
  root.append_attribute("errors") = all.errors;
  root.append_attribute("skipped") = all.skipped;
  root.append_attribute("time") = Seconds(all.time).c_str();
  std::ostringstream s;
  doc.save(s, "  ", pugi::format_default, pugi::encoding_utf8);
  return s.str();
}

}  // namespace daxbreak
