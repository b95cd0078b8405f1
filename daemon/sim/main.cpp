#include <iostream>

#include "sim_app.hpp"

int main(int argc, char** argv) { return verdict::sim::run(argc, argv, std::cout, std::cerr); }
