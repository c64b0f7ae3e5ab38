#include <map>
#include <numeric>
#include <string>
#include <vector>

// Each student's mean score.
std::map<std::string, double> averages(const std::map<std::string, std::vector<int>>& scores) {
    std::map<std::string, double> means;
    for (const auto& [name, marks] : scores)
        means[name] = std::accumulate(marks.begin(), marks.end(), 0.0) / marks.size();
    return means;
}
