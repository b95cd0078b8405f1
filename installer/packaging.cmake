# CPack: Debian packages for the daemon, the worker, the simulator and the CLI, with systemd units and a
# default configuration. `cmake --build --preset release --target package` writes them to build/release.
include(GNUInstallDirs)

install(FILES ${PROJECT_SOURCE_DIR}/resources/policy/sample-policy.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/verdict/policy COMPONENT daemon)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/samples/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/verdict/samples COMPONENT daemon)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sql/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/verdict/sql COMPONENT daemon FILES_MATCHING PATTERN "*.sql")
install(FILES ${PROJECT_SOURCE_DIR}/installer/config/verdictd.json
        DESTINATION /etc/verdict COMPONENT daemon)
install(FILES ${PROJECT_SOURCE_DIR}/installer/systemd/verdictd.service
        DESTINATION /lib/systemd/system COMPONENT daemon)
install(FILES ${PROJECT_SOURCE_DIR}/installer/systemd/verdict-sim.service
        DESTINATION /lib/systemd/system COMPONENT sim)
install(FILES ${PROJECT_SOURCE_DIR}/installer/systemd/verdict-worker.service
        DESTINATION /lib/systemd/system COMPONENT worker)
install(FILES ${PROJECT_SOURCE_DIR}/docs/openapi.yaml
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT daemon)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME verdict)
set(CPACK_PACKAGE_VENDOR "Verdict")
set(CPACK_PACKAGE_CONTACT "risk-engineering@verdict.invalid")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Customer acceptance decisions for mobile subscriptions and device credit")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_COMPONENTS_ALL daemon sim cli worker)
set(CPACK_DEBIAN_DAEMON_PACKAGE_NAME verdictd)
set(CPACK_DEBIAN_DAEMON_PACKAGE_CONTROL_EXTRA "${PROJECT_SOURCE_DIR}/installer/debian/postinst")
set(CPACK_DEBIAN_DAEMON_PACKAGE_CONFFILES "/etc/verdict/verdictd.json")
set(CPACK_DEBIAN_SIM_PACKAGE_NAME verdict-sim)
set(CPACK_DEBIAN_CLI_PACKAGE_NAME verdict-cli)
set(CPACK_DEBIAN_WORKER_PACKAGE_NAME verdict-worker)
set(CPACK_COMPONENT_DAEMON_DESCRIPTION "verdictd, the Verdict decision daemon")
set(CPACK_COMPONENT_SIM_DESCRIPTION "verdict-sim, a simulator of the seven data providers")
set(CPACK_COMPONENT_CLI_DESCRIPTION "verdict, the command line: validate, evaluate, simulate, diff, migrate, publish, fleet")
set(CPACK_COMPONENT_WORKER_DESCRIPTION "verdict-worker, decision events from Kafka to PostgreSQL with the chart aggregates")
include(CPack)
