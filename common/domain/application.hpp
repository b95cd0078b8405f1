#pragma once
// The application a shop or the webshop sends: who applies, their household, what they order.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/date.hpp"
#include "domain/money.hpp"

namespace verdict {

enum class Channel : std::uint8_t { Shop, Web };

/// The eight VFN household types: single / couple x with / without children x rent / own.
enum class HouseholdType : std::uint8_t {
  SingleRent,
  SingleOwn,
  SingleChildrenRent,
  SingleChildrenOwn,
  CoupleRent,
  CoupleOwn,
  CoupleChildrenRent,
  CoupleChildrenOwn,
};
inline constexpr std::size_t household_type_count = 8;

enum class Product : std::uint8_t { SimOnly, Device };

std::string_view to_string(Channel);
std::string_view to_string(HouseholdType);
std::string_view to_string(Product);
std::optional<Channel> channel_from_string(std::string_view);
std::optional<HouseholdType> household_type_from_string(std::string_view);
std::optional<Product> product_from_string(std::string_view);
const std::array<std::string_view, household_type_count>& household_type_names();

struct IdDocument {
  std::string type;    // passport, id_card, driving_licence, residence_permit
  std::string number;
  Date expiry_date;
};

struct Address {
  std::string postcode;      // Dutch form "1234AB", normalised without space
  std::string house_number;  // "12" or "12A"
  std::string street;
  std::string city;
};

struct Applicant {
  std::string first_name;
  std::string last_name;
  Date date_of_birth;
  std::string email;
  std::string phone;
  IdDocument id_document;
  Address address;
  std::string iban;                      // normalised: upper case, no spaces
  std::optional<std::string> device_id;  // webshop device fingerprint, when known
};

struct Household {
  HouseholdType type = HouseholdType::SingleRent;
  int children = 0;
  Cents net_income = 0;          // net monthly
  Cents housing_costs = 0;       // monthly rent or mortgage
  Cents other_obligations = 0;   // monthly
  bool income_documented = false;  // proof of income seen (payslip / bank statement)
};

struct Order {
  std::string plan;
  Product product = Product::SimOnly;
  int contract_months = 24;
  Cents monthly_fee = 0;
  Cents device_price = 0;
  Cents down_payment = 0;
  Cents credit_amount = 0;  // device_price - down_payment, financed in instalments
  int credit_months = 0;
};

struct Application {
  std::string id;
  Channel channel = Channel::Shop;
  std::string shop_id;
  std::string agent;
  Date date;  // the day the application was made; every age and window is counted to it
  Applicant applicant;
  Household household;
  Order order;
};

/// ISO 13616 mod-97 check on a normalised IBAN.
bool iban_checksum_valid(std::string_view iban);

}  // namespace verdict
