// Innkjøpsbot in Azure: everything a municipality needs to run the bot in its own tenant.
//
//   - Azure Bot (single-tenant Entra app) with the Microsoft Teams channel
//   - Linux App Service plan + Web App for Containers running the image, system-assigned identity
//   - Azure Database for PostgreSQL Flexible Server + database (automated backups, PITR)
//   - Key Vault holding the bot's client secret and the database password/URL; the Web App reads
//     them through Key Vault references with its managed identity (Key Vault Secrets User)
//   - optionally an Azure Files share mounted at /mnt/register for the register export
//
// Deploy (see deploy/README.md for the whole procedure):
//   az deployment group create -g rg-innkjopsbot -f deploy/azure/main.bicep -p deploy/azure/main.bicepparam

targetScope = 'resourceGroup'

// --- names and region ---------------------------------------------------------------------------
@description('Azure region for everything except the Azure Bot registration (global). Default Norway East.')
param location string = 'norwayeast'

@description('Short prefix for resource names (lower-case letters, digits, hyphens).')
@minLength(3)
@maxLength(16)
param namePrefix string = 'innkjopsbot'

@description('Suffix making the globally unique names unique (default: derived from the resource group).')
param uniqueSuffix string = uniqueString(resourceGroup().id)

@description('Name of the Web App (its host name becomes <name>.azurewebsites.net).')
param webAppName string = '${namePrefix}-${uniqueSuffix}'

@description('Name of the App Service plan.')
param appServicePlanName string = '${namePrefix}-plan'

@description('Name of the PostgreSQL Flexible Server (globally unique).')
param postgresServerName string = '${namePrefix}-pg-${uniqueSuffix}'

@description('Name of the Key Vault (globally unique, 3-24 characters).')
@maxLength(24)
param keyVaultName string = take('${namePrefix}-kv-${uniqueSuffix}', 24)

@description('Key Vault purge protection (recommended for production; it cannot be turned off again, and a deleted vault name stays taken for 90 days).')
param keyVaultPurgeProtection bool = true

@description('Name of the Azure Bot resource (globally unique).')
param botName string = '${namePrefix}-bot-${uniqueSuffix}'

@description('Display name of the bot.')
param botDisplayName string = 'Innkjøpsbot'

@description('Tags put on every resource.')
param tags object = {
  application: 'innkjopsbot'
}

// --- the Entra app (registered beforehand, see deploy/README.md) -----------------------------------
@description('Application (client) id of the single-tenant Entra app registration of the bot.')
param botAppId string

@description('Directory (tenant) id of the Entra app registration (default: this subscription\'s tenant).')
param botTenantId string = tenant().tenantId

@secure()
@description('Client secret of the Entra app; stored in Key Vault only.')
param botAppPassword string

@description('Azure Bot pricing tier: F0 (free; Teams is a standard channel) or S1.')
@allowed([
  'F0'
  'S1'
])
param botSku string = 'F0'

// --- the container --------------------------------------------------------------------------------
@description('The image to run, e.g. myregistry.azurecr.io/innkjopsbot:0.1.0 (built from deploy/Dockerfile).')
param containerImage string

@description('Name of an Azure Container Registry in this resource group to pull from with the managed identity; empty = a public registry.')
param containerRegistryName string = ''

@description('App Service plan SKU (Linux). B1 for a pilot, P0v3 or above for production.')
param appServiceSku string = 'P0v3'

@description('Number of instances; several instances behave as one bot (jobs run once, outbox sends once).')
@minValue(1)
@maxValue(10)
param instanceCount int = 1

// --- PostgreSQL -------------------------------------------------------------------------------------
@description('Administrator login of the PostgreSQL server.')
param postgresAdminLogin string = 'innkjopsbot'

@secure()
@description('Administrator password of the PostgreSQL server; stored in Key Vault only.')
param postgresAdminPassword string

@description('Name of the application database.')
param postgresDatabaseName string = 'innkjopsbot'

@description('PostgreSQL major version.')
param postgresVersion string = '16'

@description('Compute SKU of the PostgreSQL server, e.g. Standard_B1ms (Burstable) or Standard_D2ds_v5 (GeneralPurpose).')
param postgresSkuName string = 'Standard_B1ms'

@description('Tier of that SKU.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string = 'Burstable'

@description('Storage of the PostgreSQL server in GB.')
param postgresStorageGb int = 32

@description('Days of automated backups kept for point-in-time restore (7-35).')
@minValue(7)
@maxValue(35)
param backupRetentionDays int = 14

@description('Geo-redundant backups (a copy in the paired region). Norway East pairs with Norway West.')
param geoRedundantBackup bool = false

@description('Allow connections from Azure services (the Web App) through the server firewall. false = add a private network yourself (deploy/README.md).')
param postgresAllowAzureServices bool = true

// --- the app's configuration ------------------------------------------------------------------------
@description('E-mails/UPNs of the procurement section (admins), comma-separated.')
param adminEmails string = ''

@description('Entra object ids of the procurement section (admins), comma-separated.')
param adminAadIds string = ''

@description('The procurement section\'s e-mail shown to users.')
param procurementEmail string = ''

@description('Register export for the nightly sync: a path under /mnt/register (with the file share) or an https URL; empty = no scheduled sync.')
param syncSource string = ''

@description('When the nightly register sync runs (cron, Europe/Oslo).')
param syncCron string = '15 2 * * *'

@description('Days personal data is kept before the retention job deletes it.')
param retentionDays int = 365

@description('Create a storage account with an Azure Files share mounted at /mnt/register for the register export.')
param createRegisterShare bool = true

// --- derived names ----------------------------------------------------------------------------------
var storageAccountName = take('st${replace(namePrefix, '-', '')}${uniqueSuffix}', 24)
var registerShareName = 'register'
var registerMountPath = '/mnt/register'
var keyVaultSecretsUserRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
var acrPullRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
var usesRegistry = !empty(containerRegistryName)

// --- Key Vault and secrets --------------------------------------------------------------------------
resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: keyVaultPurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource botPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'bot-app-password'
  properties: {
    value: botAppPassword
    contentType: 'Entra app client secret of the bot'
  }
}

resource postgresPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'postgres-admin-password'
  properties: {
    value: postgresAdminPassword
    contentType: 'PostgreSQL administrator password'
  }
}

resource databaseUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'database-url'
  properties: {
    value: 'postgresql://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${postgresDatabaseName}?sslmode=require'
    contentType: 'INNKJOPSBOT_DATABASE_URL (contains the PostgreSQL password)'
  }
}

// --- PostgreSQL Flexible Server ---------------------------------------------------------------------
resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: postgresServerName
  location: location
  tags: tags
  sku: {
    name: postgresSkuName
    tier: postgresSkuTier
  }
  properties: {
    version: postgresVersion
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    storage: {
      storageSizeGB: postgresStorageGb
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: backupRetentionDays
      geoRedundantBackup: geoRedundantBackup ? 'Enabled' : 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

resource postgresDatabase 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: postgres
  name: postgresDatabaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// 0.0.0.0-0.0.0.0 is Azure's convention for "allow Azure services" (the Web App's outbound addresses).
resource postgresFirewallAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = if (postgresAllowAzureServices) {
  parent: postgres
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

// --- storage for the register export (optional) -----------------------------------------------------
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = if (createRegisterShare) {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource fileService 'Microsoft.Storage/storageAccounts/fileServices@2023-05-01' = if (createRegisterShare) {
  parent: storage
  name: 'default'
}

resource registerShare 'Microsoft.Storage/storageAccounts/fileServices/shares@2023-05-01' = if (createRegisterShare) {
  parent: fileService
  name: registerShareName
  properties: {
    shareQuota: 5
  }
}

// --- App Service ------------------------------------------------------------------------------------
resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: appServicePlanName
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: appServiceSku
    capacity: instanceCount
  }
  properties: {
    reserved: true
  }
}

var keyVaultRef = '@Microsoft.KeyVault(VaultName=${keyVault.name};SecretName='

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  name: webAppName
  location: location
  tags: tags
  kind: 'app,linux,container'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      linuxFxVersion: 'DOCKER|${containerImage}'
      acrUseManagedIdentityCreds: usesRegistry
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      healthCheckPath: '/healthz'
      appSettings: [
        { name: 'WEBSITES_PORT', value: '3978' }
        { name: 'WEBSITES_ENABLE_APP_SERVICE_STORAGE', value: 'false' }
        { name: 'WEBSITES_CONTAINER_START_TIME_LIMIT', value: '600' }
        { name: 'PORT', value: '3978' }
        { name: 'INNKJOPSBOT_HOST', value: '0.0.0.0' }
        { name: 'INNKJOPSBOT_DATABASE_URL', value: '${keyVaultRef}${databaseUrlSecret.name})' }
        { name: 'INNKJOPSBOT_MIGRATE_ON_START', value: 'true' }
        { name: 'MICROSOFT_APP_ID', value: botAppId }
        { name: 'MICROSOFT_APP_PASSWORD', value: '${keyVaultRef}${botPasswordSecret.name})' }
        { name: 'MICROSOFT_APP_TENANT_ID', value: botTenantId }
        { name: 'INNKJOPSBOT_LOG_JSON', value: 'true' }
        { name: 'INNKJOPSBOT_LOG_LEVEL', value: 'INFO' }
        { name: 'INNKJOPSBOT_TIMEZONE', value: 'Europe/Oslo' }
        { name: 'INNKJOPSBOT_SCHEDULER_ENABLED', value: 'true' }
        { name: 'INNKJOPSBOT_SYNC_SOURCE', value: syncSource }
        { name: 'INNKJOPSBOT_SYNC_CRON', value: syncCron }
        { name: 'INNKJOPSBOT_ADMIN_EMAILS', value: adminEmails }
        { name: 'INNKJOPSBOT_ADMIN_AAD_IDS', value: adminAadIds }
        { name: 'INNKJOPSBOT_PROCUREMENT_EMAIL', value: procurementEmail }
        { name: 'INNKJOPSBOT_RETENTION_DAYS', value: string(retentionDays) }
        { name: 'INNKJOPSBOT_TEAMS_APP_ID', value: botAppId }
        { name: 'INNKJOPSBOT_TEAMS_VALID_DOMAINS', value: '${webAppName}.azurewebsites.net' }
        { name: 'INNKJOPSBOT_PUBLIC_BASE_URL', value: 'https://${webAppName}.azurewebsites.net' }
        // several instances share the Teams rate limit: each sender keeps to its share
        { name: 'INNKJOPSBOT_OUTBOX_APP_REQUESTS_PER_SECOND', value: string(50 / instanceCount) }
      ]
      azureStorageAccounts: createRegisterShare ? {
        register: {
          type: 'AzureFiles'
          accountName: storage.name
          shareName: registerShareName
          mountPath: registerMountPath
          accessKey: storage.listKeys().keys[0].value
        }
      } : {}
    }
  }
  dependsOn: [
    postgresDatabase
  ]
}

// The Web App's identity may read the secrets (Key Vault references) …
resource webAppSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, webApp.id, keyVaultSecretsUserRole)
  scope: keyVault
  properties: {
    roleDefinitionId: keyVaultSecretsUserRole
    principalId: webApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// … and pull the image from the registry, when one is named.
resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = if (usesRegistry) {
  name: usesRegistry ? containerRegistryName : 'unused'
}

resource webAppAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (usesRegistry) {
  name: guid(resourceGroup().id, containerRegistryName, webApp.id, acrPullRole)
  scope: registry
  properties: {
    roleDefinitionId: acrPullRole
    principalId: webApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// --- Azure Bot with the Teams channel ---------------------------------------------------------------
resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: botName
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: {
    name: botSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    msaAppId: botAppId
    msaAppType: 'SingleTenant'
    msaAppTenantId: botTenantId
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

// --- outputs ----------------------------------------------------------------------------------------
output webAppName string = webApp.name
output webAppHostName string = webApp.properties.defaultHostName
output messagingEndpoint string = bot.properties.endpoint
output webAppPrincipalId string = webApp.identity.principalId
output keyVaultName string = keyVault.name
output postgresHost string = postgres.properties.fullyQualifiedDomainName
output postgresDatabase string = postgresDatabase.name
output registerStorageAccount string = createRegisterShare ? storage.name : ''
output botResourceName string = bot.name
